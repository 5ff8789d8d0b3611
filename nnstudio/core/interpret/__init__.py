"""Why did the network decide that? Attribution methods over Captum, returning numpy results."""
