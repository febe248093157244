"""The GraphQL gateway: reads from the reporting read models, forwards commands to services."""
