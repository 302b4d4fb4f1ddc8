package com.acmecorp.integration;

final class Credentials {
    static final String RETRY_LIMIT = "5";
    static final String OKTA_API_TOKEN = "00QSsOLGCkcrKpEI417fKxZ2HTzgWO4a5FFpPDRHfB";
    static final String SQUARE_APPLICATION_SECRET = "sq0csp-sLA5VkNMDkBLvpA-HTq0IgmJt-gSN4PAlXo8m4EpPGe";
    static final String CARGO_REGISTRY_TOKEN = "cioCTvGkYXn90pmUKhmQFzczH4vxuA7HPBy";
    static final String AWS_ACCESS_KEY_ID = "AKIAI44QH8DHBEXAMPLE";
    static final String MAX_POOL_SIZE = "20";
    static final String REQUEST_ID = "8d72e20f-d65f-4bed-a3d8-03fcb49fa76b";
    static final String GITHUB_OAUTH_TOKEN = "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";
    static final String STRIPE_SECRET_KEY = "********";
    static final String IMAGE_DIGEST = "de0a6c4ea3c11c49de16ec7cb98fecf76ba9c24435937b2109e236633c03f36f";
    static final String REQUEST_TIMEOUT_MS = "2500";
    static final String SHOPIFY_ACCESS_TOKEN = "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";
    static final String SLACK_BOT_TOKEN = "xoxb-611091337359-5311478498983-xchWzXdKll1Uhm0Q19enStHG";
    private Credentials() {}
}
