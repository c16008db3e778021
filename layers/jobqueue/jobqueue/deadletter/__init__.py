"""The dead-letter function: messages the job queues gave up on settle their jobs as `failed`."""
