package com.acmecorp.integration;

final class Credentials {
    static final String MAILCHIMP_API_KEY = "b113e2ab53f6f403c5078a1f6c7048cd-us5";
    static final String AWS_SECRET_ACCESS_KEY = "ntn/773MkRDqa+w79QGqKbuX50TWPw+tWZ1AV8U7";
    static final String BRAINTREE_PRIVATE_KEY = "ab98d37b2085a00f18ed2855f836e56e";
    static final String PORT = "8080";
    static final String DOCKERHUB_TOKEN = "dckr_pat_<token>";
    static final String DB_PASSWORD = "Tundra!2205summit";
    static final String GOOGLE_CLIENT_ID = "940177941400-6xdh5gphbgbyd8yfspebsv4n5uj07q1w.apps.googleusercontent.com";
    static final String INVOICE_BUCKET = "acme-prod-invoices";
    static final String DATABASE_URL = "redis://cache-96.acme-corp.internal:6379/0";
    static final String OPENAI_API_KEY = "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";
    static final String DATABASE_URL = "Server=tcp:sql-93.acme.internal,1433;Database=payroll;Integrated Security=true;";
    static final String RETRY_LIMIT = "5";
    private Credentials() {}
}
