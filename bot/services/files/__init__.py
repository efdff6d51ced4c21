"""Reading the office's files safely: CSV and XLSX tables, workbook checks."""
