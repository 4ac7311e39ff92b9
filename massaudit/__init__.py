"""massaudit: accessibility and digital-service audits of Commonwealth of Massachusetts sites."""

__version__ = "0.1.0"
