"""spaCy components that find claims, money, figures and dates in body text."""
