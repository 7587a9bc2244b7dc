// Prints the ids that llama2.c's own encoder (bpe_encode in karpathy/llama2.c's
// run.c) gives each input. Contains no llama2.c code: it includes run.c, which
// is fetched outside the repository (see tests/fixtures/llama2c_tokenizer/README.md).
// The stored run.c predates llama2.c's TESTING guard, so its main() is renamed.
//
// Usage: driver tokenizer.bin VOCAB_SIZE inputs.hex
//   inputs.hex: one input per line, its UTF-8 bytes as lowercase hex.
//   Output: one line per input, the ids bpe_encode returns, space-separated
//   (no BOS: run.c's main feeds BOS = 1 itself before the prompt tokens).
#define main llama2c_run_main
#include "run.c"
#undef main

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

int main(int argc, char *argv[]) {
    if (argc != 4) { fprintf(stderr, "usage: %s tokenizer.bin VOCAB_SIZE inputs.hex\n", argv[0]); return 2; }
    int vocab_size = atoi(argv[2]);
    // Read tokenizer.bin exactly as run.c's main() does.
    char** vocab = (char**)malloc(vocab_size * sizeof(char*));
    float* vocab_scores = (float*)malloc(vocab_size * sizeof(float));
    unsigned int max_token_length;
    FILE *file = fopen(argv[1], "rb");
    if (!file) { fprintf(stderr, "couldn't load %s\n", argv[1]); return 1; }
    if (fread(&max_token_length, sizeof(int), 1, file) != 1) { fprintf(stderr, "failed read\n"); return 1; }
    int len;
    for (int i = 0; i < vocab_size; i++) {
        if (fread(vocab_scores + i, sizeof(float), 1, file) != 1) { fprintf(stderr, "failed read\n"); return 1; }
        if (fread(&len, sizeof(int), 1, file) != 1) { fprintf(stderr, "failed read\n"); return 1; }
        vocab[i] = (char *)malloc(len + 1);
        if (fread(vocab[i], len, 1, file) != 1) { fprintf(stderr, "failed read\n"); return 1; }
        vocab[i][len] = '\0';
    }
    fclose(file);

    FILE *in = fopen(argv[3], "r");
    if (!in) { fprintf(stderr, "couldn't open %s\n", argv[3]); return 1; }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, in)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        if (n % 2 != 0) { fprintf(stderr, "odd hex line\n"); return 1; }
        char *text = (char *)malloc(n / 2 + 1);
        for (ssize_t i = 0; i < n / 2; i++) {
            int hi = hex_value(line[2 * i]), lo = hex_value(line[2 * i + 1]);
            if (hi < 0 || lo < 0) { fprintf(stderr, "bad hex\n"); return 1; }
            text[i] = (char)(hi * 16 + lo);
        }
        text[n / 2] = '\0';
        int *tokens = (int *)malloc((n / 2 + 2) * sizeof(int));
        int n_tokens = 0;
        bpe_encode(text, vocab, vocab_scores, vocab_size, max_token_length, tokens, &n_tokens);
        for (int i = 0; i < n_tokens; i++) printf(i ? " %d" : "%d", tokens[i]);
        printf("\n");
        free(tokens);
        free(text);
    }
    free(line);
    fclose(in);
    return 0;
}
