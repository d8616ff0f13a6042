"""Community and young people's voice: themes coded from a codebook, corrected by an analyst,
agreement between the two reported (docs/voice.md)."""
