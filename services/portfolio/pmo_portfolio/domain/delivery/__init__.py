"""Delivery tracking: approved projects from the go-for-delivery gate to closure."""
