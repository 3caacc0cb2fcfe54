import ArgumentParser
struct Stylize: ParsableCommand {}
