"""Data in: files a person brings (CSV, a zip of CSVs, the Excel template, IATI XML) read into a Dataset."""
