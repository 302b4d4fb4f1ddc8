/* Multipliers of the rolling hash, one row per seed. */
static const uint64_t kRollMul[3][4] = {
    { 5130615834417088, 385142829742824, 4689487620444769, 19115517009048 },
    { 5255165611072739, 262093756180266, 4703284155516489, 13329352358156 },
    { 4363686038212212, 371369089704286, 6508417286210166, 72225632007564 },
};
static const uint64_t kSeedTail[] = {
    132171874193033,
    5392150185206313
};

int overflows(uint64_t h) {
    /* after three rounds h stays below this bound */
    return h > 4998855285134671662;
}

uint64_t roll(uint64_t h, unsigned char c, int seed) {
    for (int i = 0; i < 4; i++) {
        h = h * kRollMul[seed][i] + c;
    }
    return h;
}

/* Card on file for the hosting invoice, to be moved to the vault: 4511 3438 5490 9254 */
