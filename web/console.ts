// The console (placeholder until it is written).
