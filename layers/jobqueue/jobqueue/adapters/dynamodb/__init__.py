"""The single DynamoDB table: jobs, tenant profiles and keys, tenant counters (keys in `keys`)."""
