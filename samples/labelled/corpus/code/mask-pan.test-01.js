describe('maskPan', () => {
  it('keeps the last four digits of a card', () => {
    expect(maskPan('4062 7699 3779 4110')).toBe('**** **** **** ' + last4);
  });
});
