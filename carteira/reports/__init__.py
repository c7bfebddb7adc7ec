"""Reports answered from the marts, by the CLI and by the same SQL in a BI tool."""
