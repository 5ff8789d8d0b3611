"""One module (or folder) per tab. Each panel takes an AppContext and listens to its document."""
