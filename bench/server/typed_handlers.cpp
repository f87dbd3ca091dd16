#include "server/typed_handlers.hpp"

#include <string>

#include "bench_api.hpp"

namespace brrt::bench {

namespace {

using namespace bench_api;

Pet pet(std::int64_t id, std::string tag) {
  Pet p;
  p.id = id;
  p.name = "pet-" + std::to_string(id);
  p.tag = std::move(tag);
  return p;
}

// What a team writes: no JSON, no parsing, no status codes or media types by hand.
class TypedBenchApi final : public BenchApiHandlers {
 public:
  GetHealthResponse getHealth(const GetHealthRequest&) override {
    return GetHealthResponse::ok(Health{"ok"});
  }
  ListPetsResponse listPets(const ListPetsRequest& request) override {
    const std::string tag = request.tag.value_or("dog");
    std::vector<Pet> pets;
    pets.reserve(static_cast<std::size_t>(request.limit));
    for (std::int64_t i = 1; i <= request.limit; ++i) pets.push_back(pet(i, tag));
    return ListPetsResponse::ok(pets);
  }
  CreatePetResponse createPet(const CreatePetRequest& request) override {
    Pet created;
    created.id = 42;
    created.name = request.body.name;
    created.tag = request.body.tag;
    return CreatePetResponse::created(created);
  }
  GetPetResponse getPet(const GetPetRequest& request) override {
    if (request.petId > 1'000'000) return GetPetResponse::not_found(Error{404, "pet not found"});
    return GetPetResponse::ok(pet(request.petId, "dog"));
  }
  GetUserPostResponse getUserPost(const GetUserPostRequest& request) override {
    return GetUserPostResponse::ok(Post{request.userId, request.postId, "hello"});
  }
  ListSecurePetsResponse listSecurePets(const ListSecurePetsRequest&) override {
    return ListSecurePetsResponse::ok({pet(1, "dog"), pet(2, "dog"), pet(3, "dog")});
  }
};

}  // namespace

dispatch::HandlerTable typed_bench_handlers() {
  static TypedBenchApi api;  // stateless; lives as long as any service using the table
  dispatch::HandlerTable table;
  register_handlers(table, api);
  return table;
}

}  // namespace brrt::bench
