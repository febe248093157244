"""The portfolio dashboard: a static page the gateway serves (GET /dashboard), whose script
asks the GraphQL API for every KPI with the caller's token and draws them with Vega-Lite."""
