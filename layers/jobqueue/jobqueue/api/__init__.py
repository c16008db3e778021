"""The api function: the HTTP API (a Powertools APIGatewayHttpResolver with one router per
resource) and the use cases behind it (submit, commands, maintenance jobs)."""
