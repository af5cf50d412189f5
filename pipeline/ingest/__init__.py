"""Reading input files (PDF, text) into :class:`pipeline.model.Document`."""
