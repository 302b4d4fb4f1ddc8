// config/production.js
module.exports = {
  triggerToken: 'glptt-83e37199108deb7b0780b38f9fde8ca6300abbe1',
  jiraApiToken: 'ATATT3xFfGF0hRy8YYGwspJTXwG4GbPhK-XsG9_LfH1FV9DX9wPFcErzqrGEdhBxMPNav10SEPJqVR-vyvmcCYHsMtFxax5sqGhPaw28sjfLtiLRs4zda5KecaW9ju5A6Qo94ajxkR-AYcHDwNLFdnqh0w2fsFr14puavrfs-K3M194RTYOPvz=928FE7DA',
  digitaloceanToken: 'dop_v1_10f2955bdd7a05467dfa25fc51f01d45029c7d97448b105a39c76048d9fb57f6',
  anthropicAdminKey: 'sk-ant-admin01-QG8mf8_3CmLkWiQtpOJPhJ-IrTonnLjWWZtcFTFGZPHjgLqOFAjhriEIUdh8X9TCbg39Xu9utGLIAIVfqbtT52c7cv8f3AA',
  azureStorageConnectionString: 'DefaultEndpointsProtocol=https;AccountName=acmeuploads20;AccountKey=9Gc4f0K3OguKsepDfvogDJLEFltBq3YXZ2KO/lot4+2G52LldEEYz/MNmxXD/Pc2Lpf+raT8LJMWvojqyxWWnw==;EndpointSuffix=core.windows.net',
  retryLimit: '5',
  apiKey: 'REPLACE_ME',
  serviceName: 'billing-api',
  dockerhubToken: 'dckr_pat_v0jx1cbLWN6-CpvazbS-OlNY0V4',
  apiKey: '********',
  featureFlagsB64: 'eyJmZWF0dXJlIjogImRhcmstbW9kZSIsICJyb2xsb3V0IjogNDIsICJyZWdpb25zIjogWyJldSIsICJ1cyJdfSAgICAgICAg',
  tz: 'Europe/Dublin',
  awsSecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
