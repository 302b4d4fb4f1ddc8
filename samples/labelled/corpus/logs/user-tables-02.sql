-- dump of the user tables, ticket DBA-2112
INSERT INTO cwd_user (user_name, credential) VALUES ('svc-moreau', '{PKCS5S2}jVr78HxE6eiAlR79QlUm6rk8sQwB0bhzU4OFLQUVVmQRhsPJIHUWXUMfNb1PgqZx');
INSERT INTO auth_user (username, password) VALUES ('c.harrington', 'pbkdf2_sha256$600000$kEW4BGq2TVEWtycRxUHqEy$W8mK3zS7yd/Jd8G84wgbb9KkoUXstgFwYr/6ddb4tog=');
INSERT INTO accounts (email, password_hash) VALUES ('tomasz_moreau@acme-corp.co.uk', '$argon2id$v=19$m=47104,t=3,p=1$ITgatrUTZ3SJbGsdygkqYg$tKJg3thLwn1350eXJ4eTXu0iRjW7Db/5vklq6qFtMRg');
INSERT INTO wp_users (user_login, user_pass) VALUES ('editor', '$P$Btu4ca5Nx5fKg7.vyym6m7.hkcCASx.');
-- mysql.user after the migration (authentication_string):
ALTER USER 'report'@'%' IDENTIFIED WITH mysql_native_password AS '*FF1DF928D07BD76F6C75F92BF51524C0921D4CEB';
-- pg_authid:
ALTER ROLE etl PASSWORD 'SCRAM-SHA-256$4096:1/H6ffZWvhvLJgVNEMGaGQ==$obkMTIyPdnE71DudYu6IM8dHhgZ8pivag4gBNqrcIRs=:XMsYvaH9Rtzj/Nb0SijxNBqiq40arcuUA2D0vHJjcDE=';
-- sys.sql_logins:
CREATE LOGIN [report] WITH PASSWORD = 0x0200C8A9CECB950F9B25A166259D64279FD299A60D839B874E29A610526AE1105CE39267A02B6222E245B594F764C44B7BB2A1D7F6510610743E3EF924EE16A8FC26C30EEBC6 HASHED;
-- LDAP export:
-- userPassword: {SSHA}mxsy5criCi0JO2MaYkEyQTZh2CL221aN
-- rows below were cut off by the export tool:
INSERT INTO auth_user (username, password) VALUES ('old', 'pbkdf2_sha256$870000$oHzkWHR47oQ9z9sXzDxsyR$Pn6jneSQ9xqv8X6XknSLsXLGn+V0/P/D');
INSERT INTO cwd_user (user_name, credential) VALUES ('svc', '{PKCS5S2}5H0iLtJbuK3lnE88U6kshcAIBbAi7L7864fC4D/P');
