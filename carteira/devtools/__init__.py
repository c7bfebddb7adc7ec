"""Developer tools: code generators and checks run by contributors, CI and pre-commit."""
