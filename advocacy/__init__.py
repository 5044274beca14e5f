"""advocacy: policy briefs, position papers and synthesis reports from YAML evidence."""

__version__ = "0.1.0"
