// config/production.js
module.exports = {
  maxPoolSize: '20',
  stripePublishableKey: 'pk_live_51CEFVfTKtK7QqCyXPpbavDHWHqK4RQdCcxyRrW25LSBeFmgmyD2FCYdSNqumdm8qRXrNrjGwDGGtbeMtJOhNF4Z7VR1HCd3EBe',
  twilioAccountSid: 'ACd827995a74446cd7223c669e6ba4cc0c',
  requestId: '21643457-2e2c-41a7-b2f6-34d8838dab16',
  hfToken: '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',
  assetEtag: '72b57def1ecbc541d095a07c92bda258',
  tz: 'Europe/Dublin',
  googleClientId: '199075954742-9jhfzngx3uc3tyoalaf6swl3f2zasff3.apps.googleusercontent.com',
  shopifyApiSecret: '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',
  ghPat: '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',
  braintreeAccessToken: 'access_token$production$1i6zquxqr8t0l5r9$987e6d761e52e32607669a2c6ae65b87',
  awsSecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  oktaApiToken: '00Z9-lCXaposbBCQGwjxpdWD-RNPEtHIVDlCblpdbW',
};
