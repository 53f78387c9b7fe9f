"""HubSpot tickets, conversations, contacts and feedback submissions as history."""
