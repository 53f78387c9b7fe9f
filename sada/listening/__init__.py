"""Social listening: brands and competitors, posts from social networks and feeds, mentions
with the sentiment of the clause about each brand, share of voice, spikes, and acting on posts."""
