password = self._vault.read(path)['password']
password = os.environ['SMTP_PASSWORD']
password = request.form['password']
ADMIN_PASSWORD = 'W1llow.Copp3r'  # temporary, see INC-5677
