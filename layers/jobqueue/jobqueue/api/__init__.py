"""The HTTP API: a Powertools APIGatewayHttpResolver with one router per resource."""
