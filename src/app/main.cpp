#include "goaround/app/cli.hpp"

int main(int argc, char** argv) { return goaround::app::run(argc, argv); }
