"""The GraphQL schema: types, inputs, queries, mutations, loaders and errors."""
