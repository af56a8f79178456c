"""Demo data, built through the domain services so that it obeys every rule of the API."""
