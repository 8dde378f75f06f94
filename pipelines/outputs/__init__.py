"""What leaves the warehouse: exports (CSV, XLSX, livret CTG tables) and the status report."""
