"""Missions, trials and defendants: what a mission lead sets up."""
