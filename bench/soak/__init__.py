"""The fault soak (`make soak`, docs/reliability.md): the local stack under injected faults,
then the checks that nothing accepted was lost, nothing ran twice and nothing drifted."""
