"""Referrals along care pathways, their way back (counter-referrals) and their waiting
times."""
