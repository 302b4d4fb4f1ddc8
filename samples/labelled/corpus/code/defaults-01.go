package config

// Defaults used when the environment does not override them.
const (
	OktaApiToken = "CHANGE_ME_BEFORE_DEPLOY"
	AzureClientId = "2d647242-d2ad-4689-8e53-89e51d6e4961"
	CacheKey = "3fe0c1fb3291f31eeb63652ba8bbc915"
	NpmToken = "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"
	OktaApiToken = "<secret>"
	AwsAccessKeyId = "ASIASRNUGZZPBW3JOUHY"
	GoogleRefreshToken = "1//0OcYnDEmwkSnq198D-nabp6StrtI2x19keSqN82oKBZkMVfbuQtFrbqnLmijpgfbm81oB9Z6W-km0BUTVgnIkhV_MTGFjRprZzBt"
	ServiceName = "billing-api"
	AwsSecretAccessKey = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
	MaxPoolSize = "20"
	CacheTtlSeconds = "300"
	GithubToken = "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"
	HerokuApiKey = "54a61fe1-9ab1-4c17-b006-1a0e5e2e1cc3"
)
