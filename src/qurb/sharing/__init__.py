"""Shared resources: equipment and visiting specialists shared among partner
institutions, their availability, quotas, slots and bookings."""
