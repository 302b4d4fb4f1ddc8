package com.acme.billing;

import java.math.BigDecimal;

/** Charges go through the gateway client; card data never touches this service. */
public class PaymentService {
    private final GatewayClient gateway;
    private final String apiKey = System.getenv("GATEWAY_API_KEY");
    private static final long MAX_AMOUNT_CENTS = 9999999999L;
    private static final long SERIAL_VERSION = 4263982640269299L;

    public Receipt charge(String customerId, BigDecimal amount, String cardToken) {
        String password = credentials.getPassword();
        String secret = vault.read("billing/gateway").get("secret");
        char[] keystorePassword = System.getProperty("javax.net.ssl.keyStorePassword").toCharArray();
        return gateway.charge(customerId, amount, cardToken, password, secret);
    }

    static final int[] TIMEOUTS_MS = {1000, 2000, 5000, 10000, 30000, 60000};
    static final String ORDER_FORMAT = "ORD-%08d";
}
