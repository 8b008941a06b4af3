"""tap-alma: a Singer tap for the Alma K-12 student information system."""
