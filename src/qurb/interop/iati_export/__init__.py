"""The conventions as IATI activities: read from the conventions' services, written by
`qurb.interop.iati` (which stands on the kernel alone)."""
