"""The local stack: template.yaml wired on moto server mode (`python -m local`, `make run`)."""
