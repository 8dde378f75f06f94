"""COG geography: communes, EPCI, arrondissements, départements and their simplified contours."""
