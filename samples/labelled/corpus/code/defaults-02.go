package config

// Defaults used when the environment does not override them.
const (
	NewRelicApiKey = "NRAK-VSC8A6Y1NJPUOD38IOCL13P62H2"
	GoogleApiKey = "AIzaZRYt-Xr7FcICLiRFKpyPZJz5mGaNJXret2Q"
	SendgridApiKey = "changeme"
	BundleChecksum = "f69735e719715290595162a883dea82e34d65cdefb47291513044ccb11471b20"
	AwsRegion = "eu-west-1"
	StripeRestrictedKey = "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"
	SendgridApiKey = "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"
	DdApiKey = "dummy-value"
	GithubRefreshToken = "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"
	BitbucketAppPassword = "ATBBCekzf7pvWD5UswnJqdUSVNIcB75462D0"
	StripePublishableKey = "pk_live_51ZVz8HVrNnqV9s2CkyzleGYYNoWcOLjbfDEHt7eWYgLM8QNxEodOQ5L2dSdv9gRmYa1J7SFfjxR8o8nZRLkvovz4bbotCTBZLF"
	RequestTimeoutMs = "2500"
)
