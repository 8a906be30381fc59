"""The machinery of ingestion (归集): reading a department's file (`readers`), checking each
record against the dataset's schema (`checks`) and storing a checked load set-based in one
transaction (`merge`). The business actions that use it are in
`onetrip.datahub.services.ingestion`; nothing outside the datahub imports these modules."""
