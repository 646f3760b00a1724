"""sharing and referrals: shared resources, their slots and bookings; referrals

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 06:40:45

`registry_specialists` keeps the visiting specialists (registry entities, as equipment).
`sharing_resources` makes an equipment item or a specialist shareable, with the rules of
its bookings; `sharing_availability` its weekly openings; `sharing_missions` a
specialist's days at a host facility; `sharing_slots` the materialised slots, unique by
(resource, start); `sharing_bookings`, `sharing_downtime`, `sharing_quotas` (a partner's
share under a convention) with `sharing_quota_releases`, and `sharing_waiting` (the
waiting list). `referrals` and `referral_events` keep the referrals along care pathways
and each of their status changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_specialists",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("specialty", sa.String(length=64), nullable=False),
        sa.Column("home_facility_id", sa.String(length=80), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["home_facility_id"],
            ["facilities.id"],
            name=op.f("fk_registry_specialists_home_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_specialists")),
    )
    with op.batch_alter_table("registry_specialists", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_specialists_specialty"), ["specialty"], unique=False
        )

    op.create_table(
        "sharing_resources",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=True),
        sa.Column("specialist_id", sa.Integer(), nullable=True),
        sa.Column("facility_id", sa.String(length=80), nullable=False),
        sa.Column("specialty", sa.String(length=64), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("manager_partner_id", sa.String(length=80), nullable=True),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("buffer_minutes", sa.Integer(), nullable=False),
        sa.Column("min_notice_hours", sa.Integer(), nullable=False),
        sa.Column("max_notice_days", sa.Integer(), nullable=False),
        sa.Column("approval_required", sa.Boolean(), nullable=False),
        sa.Column("grace_minutes", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["equipment.id"],
            name=op.f("fk_sharing_resources_equipment_id_equipment"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_sharing_resources_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["manager_partner_id"],
            ["partners.id"],
            name=op.f("fk_sharing_resources_manager_partner_id_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["specialist_id"],
            ["registry_specialists.id"],
            name=op.f("fk_sharing_resources_specialist_id_registry_specialists"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_resources")),
        sa.UniqueConstraint("equipment_id", name=op.f("uq_sharing_resources_equipment_id")),
        sa.UniqueConstraint("specialist_id", name=op.f("uq_sharing_resources_specialist_id")),
    )
    with op.batch_alter_table("sharing_resources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_resources_facility_id"), ["facility_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sharing_resources_specialty"), ["specialty"], unique=False
        )

    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("pathway", sa.String(length=64), nullable=True),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("specialty", sa.String(length=64), nullable=True),
        sa.Column("origin_facility_id", sa.String(length=80), nullable=True),
        sa.Column("origin_stop_id", sa.Integer(), nullable=True),
        sa.Column("origin_record_id", sa.Integer(), nullable=True),
        sa.Column("destination_facility_id", sa.String(length=80), nullable=False),
        sa.Column("region_code", sa.String(length=16), nullable=False),
        sa.Column("commune_code", sa.String(length=16), nullable=False),
        sa.Column("age_band", sa.String(length=8), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("transfer_avoided", sa.Boolean(), nullable=False),
        sa.Column("km_saved", sa.Float(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counter_referred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"],
            ["territories.code"],
            name=op.f("fk_referrals_commune_code_territories"),
        ),
        sa.ForeignKeyConstraint(
            ["destination_facility_id"],
            ["facilities.id"],
            name=op.f("fk_referrals_destination_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["origin_facility_id"],
            ["facilities.id"],
            name=op.f("fk_referrals_origin_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["origin_record_id"],
            ["caravan_records.id"],
            name=op.f("fk_referrals_origin_record_id_caravan_records"),
        ),
        sa.ForeignKeyConstraint(
            ["origin_stop_id"],
            ["caravan_stops.id"],
            name=op.f("fk_referrals_origin_stop_id_caravan_stops"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["referrals.id"], name=op.f("fk_referrals_parent_id_referrals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("reference", name=op.f("uq_referrals_reference")),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_referrals_destination_status", ["destination_facility_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_referrals_origin_facility_id"), ["origin_facility_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_referrals_origin_record_id"), ["origin_record_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_referrals_origin_stop_id"), ["origin_stop_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_referrals_pathway"), ["pathway"], unique=False)
        batch_op.create_index("ix_referrals_region_sent", ["region_code", "sent_at"], unique=False)
        # Covering the waiting-time measures: a region's referrals read from the index alone.
        batch_op.create_index(
            "ix_referrals_measures",
            [
                "region_code",
                "sent_at",
                "kind",
                "pathway",
                "service",
                "commune_code",
                "destination_facility_id",
                "booked_at",
                "seen_at",
                "counter_referred_at",
            ],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_referrals_status"), ["status"], unique=False)

    op.create_table(
        "sharing_availability",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("opens", sa.String(length=5), nullable=False),
        sa.Column("closes", sa.String(length=5), nullable=False),
        sa.Column("daily_capacity", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["sharing_resources.id"],
            name=op.f("fk_sharing_availability_resource_id_sharing_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_availability")),
    )
    with op.batch_alter_table("sharing_availability", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_availability_resource_id"), ["resource_id"], unique=False
        )

    op.create_table(
        "sharing_bookings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.String(length=80), nullable=True),
        sa.Column("facility_id", sa.String(length=80), nullable=True),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("from_pool", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_sharing_bookings_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_sharing_bookings_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["sharing_resources.id"],
            name=op.f("fk_sharing_bookings_resource_id_sharing_resources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_bookings")),
    )
    with op.batch_alter_table("sharing_bookings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_bookings_referral_id"), ["referral_id"], unique=False
        )
        batch_op.create_index(
            "ix_sharing_bookings_resource_start", ["resource_id", "start"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sharing_bookings_status"), ["status"], unique=False)

    op.create_table(
        "sharing_downtime",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["sharing_resources.id"],
            name=op.f("fk_sharing_downtime_resource_id_sharing_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_downtime")),
    )
    with op.batch_alter_table("sharing_downtime", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_downtime_resource_id"), ["resource_id"], unique=False
        )

    op.create_table(
        "sharing_missions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.String(length=80), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("opens", sa.String(length=5), nullable=False),
        sa.Column("closes", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_sharing_missions_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["sharing_resources.id"],
            name=op.f("fk_sharing_missions_resource_id_sharing_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_missions")),
    )
    with op.batch_alter_table("sharing_missions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_missions_facility_id"), ["facility_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sharing_missions_resource_id"), ["resource_id"], unique=False
        )

    op.create_table(
        "sharing_quotas",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.String(length=80), nullable=False),
        sa.Column("convention_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("release_days", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["convention_id"],
            ["conventions_conventions.id"],
            name=op.f("fk_sharing_quotas_convention_id_conventions_conventions"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_sharing_quotas_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["sharing_resources.id"],
            name=op.f("fk_sharing_quotas_resource_id_sharing_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_quotas")),
        sa.UniqueConstraint(
            "resource_id", "partner_id", "convention_id", name=op.f("uq_sharing_quotas_resource_id")
        ),
    )
    with op.batch_alter_table("sharing_quotas", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_quotas_partner_id"), ["partner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sharing_quotas_resource_id"), ["resource_id"], unique=False
        )

    op.create_table(
        "sharing_waiting",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.String(length=80), nullable=True),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("wanted_from", sa.Date(), nullable=False),
        sa.Column("wanted_to", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("offered_slot", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_sharing_waiting_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["sharing_resources.id"],
            name=op.f("fk_sharing_waiting_resource_id_sharing_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_waiting")),
    )
    with op.batch_alter_table("sharing_waiting", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_waiting_resource_id"), ["resource_id"], unique=False
        )

    op.create_table(
        "referral_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("previous", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_referral_events_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_events")),
    )
    with op.batch_alter_table("referral_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_events_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "sharing_quota_releases",
        sa.Column("quota_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["quota_id"],
            ["sharing_quotas.id"],
            name=op.f("fk_sharing_quota_releases_quota_id_sharing_quotas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("quota_id", "month", name=op.f("pk_sharing_quota_releases")),
    )
    op.create_table(
        "sharing_slots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.String(length=80), nullable=False),
        sa.Column("specialty", sa.String(length=64), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("buffer_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("held_for", sa.Integer(), nullable=True),
        sa.Column("held_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_sharing_slots_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["mission_id"],
            ["sharing_missions.id"],
            name=op.f("fk_sharing_slots_mission_id_sharing_missions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["sharing_resources.id"],
            name=op.f("fk_sharing_slots_resource_id_sharing_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_slots")),
        sa.UniqueConstraint("resource_id", "start", name="uq_sharing_slots_resource_start"),
    )
    with op.batch_alter_table("sharing_slots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_slots_booking_id"), ["booking_id"], unique=False
        )
        batch_op.create_index("ix_sharing_slots_free", ["facility_id", "start"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sharing_slots_mission_id"), ["mission_id"], unique=False
        )
        batch_op.create_index(
            "ix_sharing_slots_specialty_start", ["specialty", "start"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sharing_slots", schema=None) as batch_op:
        batch_op.drop_index("ix_sharing_slots_specialty_start")
        batch_op.drop_index(batch_op.f("ix_sharing_slots_mission_id"))
        batch_op.drop_index("ix_sharing_slots_free")
        batch_op.drop_index(batch_op.f("ix_sharing_slots_booking_id"))

    op.drop_table("sharing_slots")
    op.drop_table("sharing_quota_releases")
    with op.batch_alter_table("referral_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_events_referral_id"))

    op.drop_table("referral_events")
    with op.batch_alter_table("sharing_waiting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_waiting_resource_id"))

    op.drop_table("sharing_waiting")
    with op.batch_alter_table("sharing_quotas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_quotas_resource_id"))
        batch_op.drop_index(batch_op.f("ix_sharing_quotas_partner_id"))

    op.drop_table("sharing_quotas")
    with op.batch_alter_table("sharing_missions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_missions_resource_id"))
        batch_op.drop_index(batch_op.f("ix_sharing_missions_facility_id"))

    op.drop_table("sharing_missions")
    with op.batch_alter_table("sharing_downtime", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_downtime_resource_id"))

    op.drop_table("sharing_downtime")
    with op.batch_alter_table("sharing_bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_bookings_status"))
        batch_op.drop_index("ix_sharing_bookings_resource_start")
        batch_op.drop_index(batch_op.f("ix_sharing_bookings_referral_id"))

    op.drop_table("sharing_bookings")
    with op.batch_alter_table("sharing_availability", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_availability_resource_id"))

    op.drop_table("sharing_availability")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_status"))
        batch_op.drop_index("ix_referrals_measures")
        batch_op.drop_index("ix_referrals_region_sent")
        batch_op.drop_index(batch_op.f("ix_referrals_pathway"))
        batch_op.drop_index(batch_op.f("ix_referrals_origin_stop_id"))
        batch_op.drop_index(batch_op.f("ix_referrals_origin_record_id"))
        batch_op.drop_index(batch_op.f("ix_referrals_origin_facility_id"))
        batch_op.drop_index("ix_referrals_destination_status")

    op.drop_table("referrals")
    with op.batch_alter_table("sharing_resources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_resources_specialty"))
        batch_op.drop_index(batch_op.f("ix_sharing_resources_facility_id"))

    op.drop_table("sharing_resources")
    with op.batch_alter_table("registry_specialists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_specialists_specialty"))

    op.drop_table("registry_specialists")
