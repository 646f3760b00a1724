"""Partners, accounts, roles and grants: who acts, for which partner, over what."""
