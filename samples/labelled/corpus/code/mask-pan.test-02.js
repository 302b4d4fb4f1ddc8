describe('maskPan', () => {
  it('keeps the last four digits of a card', () => {
    expect(maskPan('4679 3832 3875 0675')).toBe('**** **** **** ' + last4);
  });
});
