-- dump of the user tables, ticket DBA-1056
INSERT INTO cwd_user (user_name, credential) VALUES ('anders.romano', '{PKCS5S2}hhDA5RVSFYTID+E+pt1XaXtc3EFZ4m1MyObxtQ9pBGeoCNI8vsLDrkIH3tmyMqw1');
INSERT INTO auth_user (username, password) VALUES ('svc-walsh', 'pbkdf2_sha256$870000$tt32YRE8FR5UtQnhCKU9jp$T+N3z8Hk2juV+pp/eMYCS2i8EmBdDKYmu/lkV334xZM=');
INSERT INTO accounts (email, password_hash) VALUES ('clara_moreau5@acme-corp.com', '$argon2id$v=19$m=19456,t=2,p=1$9XBXjYzUXwofaDRURpbZsA$3qm3uPqg8Kry1JQnaPIxOOqnPLSzeXjFz3ZA9/Dmehk');
INSERT INTO wp_users (user_login, user_pass) VALUES ('editor', '$P$BSDXfpTJkXgAGSd8nbkZEmsvkHTHm7.');
-- mysql.user after the migration (authentication_string):
ALTER USER 'report'@'%' IDENTIFIED WITH mysql_native_password AS '*8EF1C9C93315CACCA234C8C7BDDFD9F1C5E3CCDC';
-- pg_authid:
ALTER ROLE etl PASSWORD 'SCRAM-SHA-256$4096:Mw3cYkYo7wtVPZie/zEPWg==$aTJYxYtGw8uUp+iZT600Q4ZgIP2xjtfyzfabbfaOZmk=:h9Jt9mnyoojzPJxNRJ2kYwaBG1xMJTlgcISrPvuinN4=';
-- sys.sql_logins:
CREATE LOGIN [report] WITH PASSWORD = 0x020060C6B61E3D4024F98FC136AA1D92D88323F749878971E5CDA23C29F9324913FA798A7773BA9C26B3AE9FC192BAB457AF3F6CD25F8E0F391B757596D7DA96A57517636958 HASHED;
-- LDAP export:
-- userPassword: {SSHA}u8CYtVRzvzteEgMCJuQZYtRC+oV6TZ25
-- rows below were cut off by the export tool:
INSERT INTO auth_user (username, password) VALUES ('old', 'pbkdf2_sha256$870000$WjtJTg5SFzzlcpqtc4fdNt$+tqxH4TJQO8o+62RUHdohE6zpUQuTkYg');
INSERT INTO cwd_user (user_name, credential) VALUES ('svc', '{PKCS5S2}mevCCgD5z40fOhVpja3CeDYKPYeuEp6NqAq52R48');
