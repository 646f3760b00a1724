"""The one audit trail: who wrote what, when, for which partner, before and after;
hash-chained, its head signed with the server's key, so that `qurb audit verify` finds an
entry altered, deleted, reordered or cut from the tail (see `model` for what it cannot
find alone).

Groundwork: the entries, the chain, the key, `append` in the caller's transaction,
reading and checking, and the `qurb audit` commands. The partners' service writes to it;
the registry's edits, the other writes, sign-ins and grants append to it when accounts
come, and its API and page come with them."""
