"""Answerers turn a question and its retrieved clauses into a cited ``Answer``."""
