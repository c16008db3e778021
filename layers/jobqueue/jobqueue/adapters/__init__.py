"""Adapters: the ports of `jobqueue.ports` on AWS (DynamoDB, SQS, EventBridge Scheduler and bus,
SES, SNS), on the network (webhooks) and on the system clock.

The only package that imports boto3 or builds AWS requests. `ClientError` becomes a domain
error here (`jobqueue.errors`), or a False/None answer where the port says so.
"""
