"""The stream function: the jobs table's stream (NEW_AND_OLD_IMAGES), read as job changes by
`jobqueue.adapters.dynamodb.stream_records`, turned into job lifecycle events on the event bus
(`events`), and the release of the jobs that waited for a job that just reached a terminal
status (`process`, through `jobqueue.dependencies`)."""
